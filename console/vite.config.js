import { defineConfig } from 'vite';

// Served by the gateway at /console/ from the jar: hashed files under assets/, nothing inline (the page's
// Content-Security-Policy allows no inline script or style), JSX compiled for Preact.
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
