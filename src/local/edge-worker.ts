import { edgeRouter } from '../hosting/edge-router.ts';
import type { Fetcher } from '../residency/peers.ts';

/** The local entry Worker: hands each request to a region Worker through its service binding. */
export default {
  fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    const regions = new Map<string, Fetcher>();
    for (const [name, value] of Object.entries(env)) {
      if (name.startsWith('REGION_')) regions.set(name.slice('REGION_'.length).toLowerCase().replaceAll('_', '-'), value as Fetcher);
    }
    return edgeRouter(regions, String(env.DEFAULT_REGION))(request);
  },
};
