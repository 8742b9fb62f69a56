import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** The demo credential of the dashboard: DASHBOARD_USER / DASHBOARD_PASSWORD, else ops / ops-demo. */
export function dashboardCredential(): { user: string; password: string } {
  return { user: process.env.DASHBOARD_USER || 'ops', password: process.env.DASHBOARD_PASSWORD || 'ops-demo' };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * HTTP basic authentication for the jobs dashboard, so a browser asks for the credential. A demo:
 * in your app, put the guards that protect your other admin pages here (session, JWT, SSO).
 * `JobsDashboardModule` creates it with its dependency (`HttpAdapterHost`, to set the challenge
 * header on Express and Fastify alike) and runs it for every dashboard request.
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = http.getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const [scheme, encoded = ''] = header.split(' ');
    const { user, password } = dashboardCredential();
    // Compared as digests of equal length, in constant time.
    if (scheme === 'Basic' && timingSafeEqual(digest(Buffer.from(encoded, 'base64').toString()), digest(`${user}:${password}`))) {
      return true;
    }
    this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', 'Basic realm="jobs dashboard"');
    throw new UnauthorizedException('the jobs dashboard needs its credential (see the start-up log)');
  }
}
