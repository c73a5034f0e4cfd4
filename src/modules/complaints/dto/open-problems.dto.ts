import { ApiProperty } from '@nestjs/swagger';

export class OpenProblemDto {
  @ApiProperty({ enum: ['complaint', 'overdue_service_request'] }) kind: string;
  @ApiProperty({ format: 'uuid', description: 'The complaint or the service request' }) sourceId: string;
  @ApiProperty({ description: 'Received (a complaint) or missed its deadline (a service request)' }) since: string;
}

export class OpenProblemsDto {
  @ApiProperty({ type: [OpenProblemDto], description: 'Oldest first; empty: nothing stands in the way of a promotion' })
  data: OpenProblemDto[];
}
