import { defineJob } from 'nest-pg-jobs';

export interface WelcomeEmailData {
  userId: string;
  email: string;
}

/**
 * Sent after sign-up. Mail providers fail now and then, so the job is retried with exponential
 * backoff (a random 1–2 s, then 2–4 s, then 4–8 s); after the third retry it moves to `welcome-email.dead`, where
 * someone can inspect it and redrive it once the address is fixed. They also cap how fast an account
 * may send: `rateLimit` keeps every instance of the app together under ten sends a second.
 */
export const WelcomeEmail = defineJob<WelcomeEmailData>('welcome-email', {
  retryLimit: 3,
  retryBackoff: true,
  retryDelay: 1,
  deadLetter: 'welcome-email.dead',
  rateLimit: { max: 10, perSeconds: 1 },
});
