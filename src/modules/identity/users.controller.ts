import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Page } from '../../common/pagination/cursor.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: UserDto })
  create(
    @Body() dto: CreateUserDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<UserDto> {
    return this.users.create(dto, principal, requestId);
  }

  @Get()
  @Allow({ roles: ['manager'] })
  @ApiPageResponse(UserDto)
  list(@Query() query: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @Allow({ roles: ['manager'] })
  @ApiOkResponse({ type: UserDto })
  get(@UuidParam() id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: UserDto })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateUserDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<UserDto> {
    return this.users.update(id, dto, ifMatch, principal, requestId);
  }
}
