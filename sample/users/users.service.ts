import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable } from '@nestjs/common';
import { fromPg, JobsService } from 'nest-pg-jobs';
import { SessionsStore } from './sessions.store.js';
import { WelcomeEmail } from './users.jobs.js';
import { isUniqueViolation, UsersRepository, type User } from './users.repository.js';

export type { User } from './users.repository.js';

@Injectable()
export class UsersService {
  constructor(
    private readonly jobs: JobsService,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsStore,
  ) {}

  /**
   * Stores the user and queues the welcome e-mail in ONE transaction (`{ db: fromPg(client) }`):
   * both commit or neither does, and workers are woken only by the commit. The HTTP response does
   * not wait for the mail provider: a slow or failing provider only delays the e-mail.
   *
   * A duplicate e-mail fails the COMMIT (the unique constraint is deferred), after the job was
   * inserted: the job rolls back with the user row, so the address gets no second e-mail.
   */
  async signUp(email: string) {
    const user: User = { id: randomUUID(), email, createdAt: new Date() };
    try {
      const welcomeEmailJobId = await this.users.transaction(async (client) => {
        await this.users.insert(client, user);
        return this.jobs.send(WelcomeEmail, { userId: user.id, email }, { db: fromPg(client) });
      });
      const sessionId = this.sessions.open(user.id);
      return { user, sessionId, welcomeEmailJobId };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException(`${email} has already signed up; no welcome e-mail was queued`);
      }
      throw error;
    }
  }

  list(): Promise<User[]> {
    return this.users.list();
  }
}
