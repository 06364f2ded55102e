// PostgreSQL repository for media (schema `upload`). State changes and their events are committed
// together through the outbox; the relay publishes them.
import { enqueueEvent, withTransaction, type Pool } from '@verbatim/common';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { AudioFormat } from '../domain/audio-format.js';
import type { Media, MediaRepository } from '../domain/media.js';

interface MediaRow {
  id: string;
  account_id: string;
  filename: string;
  format: string;
  duration_seconds: number;
  channels: number;
  sample_rate: number;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  created_at: Date;
}

const COLUMNS = 'id, account_id, filename, format, duration_seconds, channels, sample_rate, size_bytes, sha256, storage_key, created_at';

function toMedia(r: MediaRow): Media {
  return {
    id: r.id,
    accountId: r.account_id,
    filename: r.filename,
    format: r.format as AudioFormat,
    durationSeconds: r.duration_seconds,
    channels: r.channels,
    sampleRate: r.sample_rate,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    storageKey: r.storage_key,
    createdAt: r.created_at,
  };
}

export class PgMediaRepository implements MediaRepository {
  constructor(private readonly pool: Pool) {}

  async insert(m: Media): Promise<void> {
    await withTransaction(this.pool, async (tx) => {
      await tx.query(
        `INSERT INTO media (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [m.id, m.accountId, m.filename, m.format, m.durationSeconds, m.channels, m.sampleRate, m.sizeBytes, m.sha256, m.storageKey, m.createdAt],
      );
      await enqueueEvent(tx, 'media.uploaded.v1', {
        occurredAt: timestampFromDate(m.createdAt),
        mediaId: m.id,
        accountId: m.accountId,
        storageKey: m.storageKey,
        format: m.format,
        durationSeconds: m.durationSeconds,
        sizeBytes: BigInt(m.sizeBytes),
      });
    });
  }

  async find(accountId: string, id: string): Promise<Media | undefined> {
    const { rows } = await this.pool.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`, [id, accountId]);
    return rows[0] ? toMedia(rows[0]) : undefined;
  }

  async markDeleted(accountId: string, id: string, removeObject: (media: Media) => Promise<void>): Promise<boolean> {
    return withTransaction(this.pool, async (tx) => {
      // The lock makes concurrent deletes of one media wait, then see it gone: one event, one true.
      const { rows } = await tx.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL FOR UPDATE`, [id, accountId]);
      const row = rows[0];
      if (!row) return false;
      const media = toMedia(row);
      // Removed before the commit: if the store fails, nothing is marked and a retry starts over;
      // if the commit fails after, the retry's delete of a missing object still succeeds.
      await removeObject(media);
      const { rows: updated } = await tx.query<{ deleted_at: Date }>('UPDATE media SET deleted_at = now() WHERE id = $1 RETURNING deleted_at', [id]);
      await enqueueEvent(tx, 'media.deleted.v1', { occurredAt: timestampFromDate(updated[0]!.deleted_at), mediaId: media.id, accountId: media.accountId });
      return true;
    });
  }

  async listExpired(before: Date, limit: number): Promise<Array<{ accountId: string; id: string }>> {
    const { rows } = await this.pool.query<{ id: string; account_id: string }>(
      'SELECT id, account_id FROM media WHERE deleted_at IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2',
      [before, limit],
    );
    return rows.map((r) => ({ id: r.id, accountId: r.account_id }));
  }
}
