import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/ and served by the gateway at / (same origin as the API).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, target: 'es2022', reportCompressedSize: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
