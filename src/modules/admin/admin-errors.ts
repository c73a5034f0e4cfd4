import { DomainError } from '../../common/errors/domain-errors.js';

export class JobNotFailed extends DomainError {
  constructor(jobId: string) {
    super('job-not-failed', `Job ${jobId} has not failed; only failed jobs can be retried.`);
  }
}

export class JobActive extends DomainError {
  constructor(jobId: string) {
    super('job-active', `Job ${jobId} is running; it can be removed once it has finished or failed.`);
  }
}
