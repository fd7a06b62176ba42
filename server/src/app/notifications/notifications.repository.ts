import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, LessThanOrEqual, type FindOptionsWhere, type Repository } from 'typeorm';
import { NotificationChannelEntity, NotificationDeliveryEntity, type DeliveryState } from './notification.entities';

export type NewChannel = Omit<NotificationChannelEntity, 'id'>;
export type NewDelivery = Omit<NotificationDeliveryEntity, 'id'>;

/** Channels and their delivery log. */
@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(NotificationChannelEntity) private readonly channels: Repository<NotificationChannelEntity>,
    @InjectRepository(NotificationDeliveryEntity) private readonly deliveries: Repository<NotificationDeliveryEntity>,
  ) {}

  allChannels(): Promise<NotificationChannelEntity[]> {
    return this.channels.find({ order: { id: 'ASC' } });
  }

  channel(id: number): Promise<NotificationChannelEntity | null> {
    return this.channels.findOne({ where: { id } });
  }

  channelByName(name: string): Promise<NotificationChannelEntity | null> {
    return this.channels.findOne({ where: { name } });
  }

  insertChannel(c: NewChannel): Promise<NotificationChannelEntity> {
    return this.channels.save(this.channels.create(c));
  }

  async updateChannel(id: number, fields: Partial<NewChannel>): Promise<void> {
    await this.channels.update({ id }, fields);
  }

  /** The channel and its delivery log. */
  async deleteChannel(id: number): Promise<void> {
    await this.deliveries.delete({ channelId: id });
    await this.channels.delete({ id });
  }

  insertDelivery(d: NewDelivery): Promise<NotificationDeliveryEntity> {
    return this.deliveries.save(this.deliveries.create(d));
  }

  async updateDelivery(id: number, fields: Partial<NewDelivery>): Promise<void> {
    await this.deliveries.update({ id }, fields);
  }

  delivery(id: number): Promise<NotificationDeliveryEntity | null> {
    return this.deliveries.findOne({ where: { id } });
  }

  /** Pending deliveries whose next attempt is due, oldest first. */
  due(now: number, limit: number): Promise<NotificationDeliveryEntity[]> {
    return this.deliveries.find({ where: { state: 'pending', nextAttemptAt: LessThanOrEqual(now) }, order: { id: 'ASC' }, take: limit });
  }

  /** Newest first. */
  findDeliveries(filter: { channelId?: number; state?: DeliveryState; before?: number; limit: number }): Promise<NotificationDeliveryEntity[]> {
    const where: FindOptionsWhere<NotificationDeliveryEntity> = {};
    if (filter.channelId !== undefined) where.channelId = filter.channelId;
    if (filter.state) where.state = filter.state;
    if (filter.before !== undefined) where.id = LessThan(filter.before);
    return this.deliveries.find({ where, order: { id: 'DESC' }, take: filter.limit });
  }

  /** Retention: deliveries made before `at` go. */
  async deleteDeliveriesBefore(at: number): Promise<number> {
    return (await this.deliveries.delete({ createdAt: LessThan(at) })).affected ?? 0;
  }
}
