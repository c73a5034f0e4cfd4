import type { Principal } from './principal.js';

/**
 * Turns a bearer token into a principal or throws Unauthenticated. Implemented by the identity
 * module, which owns users and API keys; declared here so the guard does not depend on it.
 */
export abstract class CredentialVerifier {
  abstract verify(token: string): Promise<Principal>;
}
