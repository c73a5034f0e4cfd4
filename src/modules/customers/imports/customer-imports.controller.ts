import { Controller, Get, HttpCode, Post, Req, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../../common/http/request-context.js';
import { ImportNotMultipart, readUpload, UnreadableImportFile } from '../customers-errors.js';
import { CustomerImportDto, ImportUploadDto } from './customer-import.dto.js';
import { CustomerImportsService, IMPORT_MAX_BYTES } from './customer-imports.service.js';

/** Who may import: administrators, managers, and partner keys that may write customers. */
const IMPORTERS = { roles: ['manager' as const], scopes: ['customers:write' as const] };

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/imports')
export class CustomerImportsController {
  constructor(private readonly imports: CustomerImportsService) {}

  /**
   * multipart/form-data: an optional `options` part (JSON, ImportOptionsDto) before the `file` part.
   * The file is streamed into the database as it arrives (up to 100 MiB) and imported by a worker.
   */
  @Post()
  @HttpCode(202)
  @Allow(IMPORTERS)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ImportUploadDto })
  @ApiAcceptedResponse({ type: CustomerImportDto })
  async start(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerImportDto> {
    if (!request.isMultipart()) throw new ImportNotMultipart();
    let optionsText: string | undefined;
    for await (const part of readUpload(
      request.parts({ limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 5 } }),
    )) {
      if (part.type === 'field') {
        if (part.fieldname === 'options') optionsText = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        continue;
      }
      const options = await this.imports.readOptions(optionsText);
      return this.imports.start(
        { filename: part.filename || 'import.csv', stream: part.file, truncated: () => part.file.truncated },
        options,
        principal,
        requestId,
      );
    }
    throw new UnreadableImportFile('The upload has no part named "file".');
  }

  @Get(':id')
  @Allow(IMPORTERS)
  @ApiOkResponse({ type: CustomerImportDto })
  get(@UuidParam() id: string): Promise<CustomerImportDto> {
    return this.imports.get(id);
  }

  @Get(':id/rejected-rows')
  @Allow(IMPORTERS)
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'The rejected rows as CSV: the original columns, then 行号 line and 原因 reasons',
    content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
  })
  async rejectedRows(@UuidParam() id: string): Promise<StreamableFile> {
    const rows = this.imports.rejectedRowsCsv(id);
    const first = await rows.next(); // NotFound before the response starts
    const all = (async function* () {
      if (!first.done) yield first.value;
      yield* rows;
    })();
    return new StreamableFile(Readable.from(all), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="rejected-rows-${id}.csv"`,
    });
  }
}
