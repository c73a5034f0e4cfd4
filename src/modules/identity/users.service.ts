import { Injectable, Logger } from '@nestjs/common';
import type { Principal, Role } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, NotFound, StaleVersion, Unprocessable } from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { AuthService } from './auth.service.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from './dto/user.dto.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateUserDto, by: Principal | null, requestId?: string): Promise<UserDto> {
    const passwordHash = await AuthService.hashPassword(dto.password);
    return this.transactions.run(async (tx) => {
      if (dto.managerId && !(await this.users.findById(dto.managerId, tx))) {
        throw new Unprocessable('The manager does not exist.', [
          { field: 'managerId', message: 'no user has this id' },
        ]);
      }
      const row = await this.users.insert(tx, { ...dto, roles: [...new Set(dto.roles)], passwordHash });
      if (!row) throw new Conflict(`A user with the e-mail ${dto.email} already exists.`);
      const user = UserDto.from(row);
      await this.audit.record(tx, by, requestId, {
        action: 'user.created',
        entityType: 'user',
        entityId: row.id,
        after: user,
      });
      return user;
    });
  }

  async get(id: string): Promise<UserDto> {
    const row = await this.users.findById(id);
    if (!row) throw new NotFound('User', id);
    return UserDto.from(row);
  }

  /** The user, or null when there is no such user. */
  async find(id: string): Promise<UserDto | null> {
    const row = await this.users.findById(id);
    return row && UserDto.from(row);
  }

  async findQualified(roles: Role[], skill: string | null, region: string | null): Promise<UserDto[]> {
    return (await this.users.findQualified(roles, skill, region)).map((row) => UserDto.from(row));
  }

  isManagedBy(userId: string, managerId: string): Promise<boolean> {
    return this.users.isManagedBy(userId, managerId);
  }

  /** The ids of the users who report directly to the manager (their team). */
  teamOf(managerId: string): Promise<string[]> {
    return this.users.teamOf(managerId);
  }

  /** Of these ids, the active users holding one of the roles (admins count only when they hold it); in `tx` when given. */
  activeWithRoles(ids: string[], roles: Role[], tx?: Tx): Promise<string[]> {
    return this.users.activeWithRoles(ids, roles, tx);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.users.findById(id)) !== null;
  }

  async list(query: ListUsersQuery): Promise<Page<UserDto>> {
    const rows = await this.users.list(query.limit, decodeCursor(query.cursor), query.role);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursor_at, id: row.id }),
      (row) => UserDto.from(row),
    );
  }

  async update(
    id: string,
    dto: UpdateUserDto,
    expectedVersion: number | undefined,
    by: Principal,
    requestId?: string,
  ): Promise<UserDto> {
    rejectNulls(dto, ['email', 'name', 'password', 'roles', 'skills', 'active']);
    const { version, password, managerId, ...fields } = dto;
    const changes: Record<string, unknown> = {};
    if (fields.email !== undefined) changes.email = fields.email;
    if (fields.name !== undefined) changes.name = fields.name;
    if (fields.roles !== undefined) changes.roles = [...new Set(fields.roles)];
    if (fields.region !== undefined) changes.region = fields.region;
    if (fields.skills !== undefined) changes.skills = fields.skills;
    if (fields.active !== undefined) changes.active = fields.active;
    if (managerId !== undefined) changes.manager_id = managerId;
    if (password !== undefined) changes.password_hash = await AuthService.hashPassword(password);
    const expected = expectedVersion ?? version;

    return this.transactions.run(async (tx) => {
      const current = await this.users.lockById(tx, id);
      if (!current) throw new NotFound('User', id);
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('User', expected, current.version);
      if (managerId === id)
        throw new Unprocessable('A user cannot manage themselves.', [
          { field: 'managerId', message: 'must be another user' },
        ]);
      if (managerId && !(await this.users.findById(managerId, tx))) {
        throw new Unprocessable('The manager does not exist.', [
          { field: 'managerId', message: 'no user has this id' },
        ]);
      }
      if (!Object.keys(changes).length) return UserDto.from(current);
      let updated;
      try {
        updated = await this.users.update(tx, id, changes);
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          throw new Conflict(`A user with the e-mail ${fields.email} already exists.`);
        throw error;
      }
      await this.audit.record(tx, by, requestId, {
        action: 'user.updated',
        entityType: 'user',
        entityId: id,
        before: UserDto.from(current),
        after: UserDto.from(updated),
        fields: Object.keys(changes).map((column) => (column === 'password_hash' ? 'password' : column)),
      });
      return UserDto.from(updated);
    });
  }

  /** Creates the first administrator when the database has no user at all. */
  async ensureFirstAdministrator(email: string, password: string): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const created = await this.create({ email, password, name: 'Administrator', roles: ['admin'] }, null).catch(
      (error) => {
        if (error instanceof Conflict) return null; // another replica created it first
        throw error;
      },
    );
    if (created) this.logger.log({ userId: created.id }, 'created the first administrator'); // log lines carry no e-mail addresses
  }
}
