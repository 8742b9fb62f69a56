import { Module } from '@nestjs/common';
import { ImagesController } from './images.controller.js';
import { ImagesWorker } from './images.worker.js';
import { ThumbnailRenderer } from './thumbnail.renderer.js';

@Module({
  controllers: [ImagesController],
  providers: [ImagesWorker, ThumbnailRenderer],
})
export class ImagesModule {}
