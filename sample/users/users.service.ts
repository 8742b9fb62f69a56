import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JobsService } from 'nest-pg-jobs';
import { SessionsStore } from './sessions.store.js';
import { WelcomeEmail } from './users.jobs.js';

export interface User {
  id: string;
  email: string;
  createdAt: Date;
}

@Injectable()
export class UsersService {
  private readonly users = new Map<string, User>();

  constructor(
    private readonly jobs: JobsService,
    private readonly sessions: SessionsStore,
  ) {}

  /**
   * Creates the user and queues the welcome e-mail. The HTTP response does not wait for the mail
   * provider: a slow or failing provider only delays the e-mail, never the sign-up.
   */
  async signUp(email: string) {
    const user: User = { id: randomUUID(), email, createdAt: new Date() };
    this.users.set(user.id, user);
    const sessionId = this.sessions.open(user.id);
    const welcomeEmailJobId = await this.jobs.send(WelcomeEmail, { userId: user.id, email });
    return { user, sessionId, welcomeEmailJobId };
  }

  list(): User[] {
    return [...this.users.values()];
  }
}
