import { jest } from '@jest/globals';

// Every end-to-end file boots the application on a database of its own in beforeAll, and some create
// dozens of users (Argon2) there: on a busy 2-core machine that takes well over 30 s. Jest's default
// of 5 s per test or hook is for unit tests; this bound is for hangs, not for speed.
// (Jest 30.5 ignores `testTimeout` in a project's configuration: its hooks still timed out at 5 s.)
jest.setTimeout(120_000);
