import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Public } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { ClientAddress } from '../../common/http/request-context.js';
import { AuthService } from './auth.service.js';
import { LoginDto, RefreshDto, TokenPairDto } from './dto/auth.dto.js';
import { UserDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiOperation({
    summary: 'Log in with e-mail and password',
    description:
      'Answers an access token (Bearer) and a refresh token. Failed attempts are limited per address and e-mail ' +
      '(LOGIN_MAX_ATTEMPTS_PER_MINUTE): over the limit a 429 with Retry-After.',
  })
  @ApiUnauthorizedResponse({ description: 'Wrong e-mail or password, or a deactivated user' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts; retry after Retry-After seconds' })
  login(@Body() dto: LoginDto, @ClientAddress() clientAddress: string): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password, clientAddress);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiOperation({
    summary: 'Exchange a refresh token for a new token pair',
    description: 'The refresh token is used up.',
  })
  @ApiUnauthorizedResponse({ description: 'The refresh token is unknown, used or expired' })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserDto })
  me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return this.users.get(principal.id);
  }
}
