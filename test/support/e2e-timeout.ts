import { jest } from '@jest/globals';

// Every end-to-end file boots the application on a database of its own in beforeAll, which alone
// takes a few seconds on a busy machine; Jest's default of 5 s per test or hook is for unit tests.
// (Jest 30.5 ignores `testTimeout` in a project's configuration: its hooks still timed out at 5 s.)
jest.setTimeout(30_000);
