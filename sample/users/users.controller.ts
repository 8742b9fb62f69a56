import { BadRequestException, Body, Controller, Get, Post } from '@nestjs/common';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** `POST /users {"email": "ada@example.com"}` → 201 with the user and the welcome e-mail job id. */
  @Post()
  signUp(@Body() body: { email?: unknown }) {
    if (typeof body?.email !== 'string' || !body.email.includes('@')) {
      throw new BadRequestException('"email" must be an e-mail address');
    }
    return this.users.signUp(body.email);
  }

  @Get()
  list() {
    return this.users.list();
  }
}
