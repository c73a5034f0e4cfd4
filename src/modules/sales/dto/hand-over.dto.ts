import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsIn, IsOptional, IsUUID } from 'class-validator';
import { HAND_OVER_KINDS, HAND_OVER_SPREADS, type HandOverSpread } from '../hand-over.repository.js';

export class ReassignDto {
  @ApiProperty({ format: 'uuid', description: 'The departing salesperson' })
  @IsUUID()
  fromUserId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Who takes the book over; or give `spread` instead' })
  @IsOptional()
  @IsUUID()
  toUserId?: string;

  @ApiPropertyOptional({
    enum: HAND_OVER_SPREADS,
    description:
      'Instead of one successor: spread the book over the salespeople of the lead-assignment rules — each ' +
      'customer and open lead by the rule its region, industry (and source) match, as a new lead would be; an ' +
      "open opportunity or unsent quote to its customer's new owner",
  })
  @IsOptional()
  @IsIn(HAND_OVER_SPREADS)
  spread?: HandOverSpread;

  @ApiPropertyOptional({ enum: HAND_OVER_KINDS, isArray: true, description: 'Defaults to all four' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(HAND_OVER_KINDS, { each: true })
  include?: string[];
}

export class ReassignmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) fromUserId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null when the book is spread' })
  toUserId: string | null;
  @ApiProperty({ enum: HAND_OVER_SPREADS, nullable: true, type: String }) spread: HandOverSpread | null;
  @ApiProperty({ enum: HAND_OVER_KINDS, isArray: true }) include: string[];
  @ApiProperty({ enum: ['running', 'done'] }) status: string;
  @ApiProperty({ example: { customers: 2000, leads: 12, opportunities: 5, quotes: 1 }, description: 'Moved so far' })
  moved: Record<string, number>;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}
