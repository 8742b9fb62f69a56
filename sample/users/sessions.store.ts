import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** Login sessions, in memory. Expired ones pile up until the `sessions-sweep` job removes them. */
@Injectable()
export class SessionsStore {
  private readonly sessions = new Map<string, { userId: string; expiresAt: number }>();

  open(userId: string, ttlMs = 30_000): string {
    const id = randomUUID();
    this.sessions.set(id, { userId, expiresAt: Date.now() + ttlMs });
    return id;
  }

  /** Deletes expired sessions; returns how many. */
  deleteExpired(now = Date.now()): number {
    let deleted = 0;
    for (const [id, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  get size(): number {
    return this.sessions.size;
  }
}
