import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsIn, IsOptional, IsUUID } from 'class-validator';
import { HAND_OVER_KINDS } from '../hand-over.repository.js';

export class ReassignDto {
  @ApiProperty({ format: 'uuid', description: 'The departing salesperson' })
  @IsUUID()
  fromUserId: string;

  @ApiProperty({ format: 'uuid', description: 'Who takes the book over' })
  @IsUUID()
  toUserId: string;

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
  @ApiProperty({ format: 'uuid' }) toUserId: string;
  @ApiProperty({ enum: HAND_OVER_KINDS, isArray: true }) include: string[];
  @ApiProperty({ enum: ['running', 'done'] }) status: string;
  @ApiProperty({ example: { customers: 2000, leads: 12, opportunities: 5, quotes: 1 }, description: 'Moved so far' })
  moved: Record<string, number>;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}
