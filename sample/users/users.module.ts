import { Module } from '@nestjs/common';
import { FakeMailGateway } from './fake-mail.gateway.js';
import { SessionsStore } from './sessions.store.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';
import { UsersWorker } from './users.worker.js';

@Module({
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, UsersWorker, FakeMailGateway, SessionsStore],
  exports: [SessionsStore],
})
export class UsersModule {}
