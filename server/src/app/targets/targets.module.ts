import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TargetEntity } from './target.entity';
import { TargetsController } from './targets.controller';
import { TargetsRepository } from './targets.repository';
import { TargetsService } from './targets.service';

@Module({
  imports: [TypeOrmModule.forFeature([TargetEntity])],
  controllers: [TargetsController],
  providers: [TargetsRepository, TargetsService],
  exports: [TargetsService],
})
export class TargetsModule {}
