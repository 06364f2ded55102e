// The speech model this replica serves: found on disk (MODEL_DIR, else the repo's default model)
// or fetched from the model store (MODEL_S3_PREFIX) into a local cache, loaded through
// @verbatim/asr (which verifies the manifest's checksums), on CUDA when asked and available.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultModelDir, loadEngine, readManifest, verifyChecksums, type SpeechEngine } from '@verbatim/asr';
import type { Logger } from '@verbatim/common';
import type { ObjectStore } from './objects.store.js';

export type Device = 'cpu' | 'cuda';

export interface ModelRuntime {
  engine: SpeechEngine;
  /** Where inference actually runs (cuda may have fallen back to cpu). */
  device: Device;
  /** Domains named in the model's manifest. */
  domains: string[];
}

export interface ModelOptions {
  modelDir?: string;
  s3Prefix?: string;
  cacheDir: string;
  threads: number;
  batchSize?: number;
  executionProvider: Device;
}

/** The local folder of the model to load, downloading it first when it comes from S3. */
export async function resolveModelDir(o: ModelOptions, store: ObjectStore, logger: Logger): Promise<string> {
  if (o.s3Prefix) {
    const prefix = o.s3Prefix.replace(/^\/+|\/+$/g, '');
    const dir = join(o.cacheDir, ...prefix.split('/').filter((p) => p && p !== '..'));
    // The prefix may be an alias (…/current/) that moves to a new version: the cache is used only
    // when its manifest is the store's manifest and every checksummed file still verifies.
    const remoteManifest = await store.getText(`${prefix}/manifest.json`);
    if (existsSync(join(dir, 'manifest.json')) && (await readFile(join(dir, 'manifest.json'), 'utf8')) === remoteManifest) {
      try {
        await verifyChecksums(dir, await readManifest(dir));
        logger.info({ dir }, 'model found in the local cache');
        return dir;
      } catch (e) {
        logger.warn({ err: e, dir }, 'cached model failed verification: downloading it again');
      }
    }
    await rm(dir, { recursive: true, force: true });
    const started = Date.now();
    const files = await store.downloadPrefix(prefix, dir);
    if (files === 0) throw new Error(`no model files under s3://${store.bucket}/${prefix}/`);
    logger.info({ prefix, dir, files, ms: Date.now() - started }, 'model downloaded from the model store');
    return dir;
  }
  return o.modelDir ?? defaultModelDir();
}

export async function loadModel(dir: string, o: ModelOptions, logger: Logger): Promise<ModelRuntime> {
  const base = { threads: o.threads, logger, ...(o.batchSize ? { batchSize: o.batchSize } : {}) };
  let engine: SpeechEngine;
  let device: Device = o.executionProvider;
  if (o.executionProvider === 'cuda') {
    try {
      engine = await loadEngine(dir, { ...base, executionProvider: 'cuda' });
    } catch (e) {
      logger.warn({ err: e }, 'CUDA execution provider failed to initialise: falling back to CPU');
      device = 'cpu';
      engine = await loadEngine(dir, { ...base, executionProvider: 'cpu' });
    }
  } else {
    engine = await loadEngine(dir, { ...base, executionProvider: 'cpu' });
  }
  const manifest = await readManifest(dir);
  const domains = Object.keys((manifest.domains as Record<string, string> | undefined) ?? {});
  return { engine, device, domains };
}
