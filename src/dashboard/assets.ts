/**
 * The dashboard's static assets: one script (uPlot followed by client.js) and one stylesheet
 * (uPlot's). `npm run build` writes them to dist/dashboard/assets/ (scripts/build.ts), so the
 * published package needs no uPlot at run time and no CDN. Run from src/ (development, tests),
 * they are put together on first use from node_modules/uplot and client.js.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RampartError } from '../errors.ts';

/** The dashboard's script and stylesheet. */
export interface DashboardAssets {
  script: string;
  css: string;
}

/** Where the built assets are, from dist/dashboard/*.js or dist/chunks/*.js alike. */
const BUILT = new URL('../dashboard/assets/', import.meta.url);

/** Put the assets together from uPlot's distribution and client.js (what the build does, unminified). */
export async function assembleAssets(): Promise<DashboardAssets> {
  const require = createRequire(import.meta.url);
  const [uplot, css, client] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFile(new URL('./client.js', import.meta.url), 'utf8'),
  ]);
  return { script: `${uplot}\n${client}`, css };
}

let loaded: Promise<DashboardAssets> | undefined;

/** The assets, read once per process (built ones first, else assembled from node_modules). */
export function dashboardAssets(): Promise<DashboardAssets> {
  loaded ??= (async () => {
    try {
      const [script, css] = await Promise.all([readFile(new URL('dashboard.js', BUILT), 'utf8'), readFile(new URL('dashboard.css', BUILT), 'utf8')]);
      return { script, css };
    } catch {
      try {
        return await assembleAssets();
      } catch (err) {
        throw new RampartError(
          'ERR_RAMPART_MISSING_DEPENDENCY',
          `dashboard: its script is missing (dist/dashboard/assets/ was not built and uplot is not installed): run npm run build, or npm install -D uplot when running from source.`,
          { cause: err },
        );
      }
    }
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}
