import type { Fetcher } from '../residency/peers.ts';
import { Problem } from '../http/problem.ts';
import type { FastPath } from '../storefront/fast-path.ts';

/**
 * Local stand-in for Cloudflare's anycast: in production a request enters at the nearest data center and
 * runs there in the region Worker that Smart Placement put next to its AWS region. Locally one port fronts
 * every region; `cadence-edge-region` picks the one a request "arrives" at, else the default.
 */
export const EDGE_REGION_HEADER = 'cadence-edge-region';

/** The fast path of the region a request enters at (the edge header names it locally). */
export function edgeFastPath(regionsById: ReadonlyMap<string, { fastPath: FastPath }>, defaultRegion: string): FastPath {
  return (req) => regionsById.get(req.header(EDGE_REGION_HEADER) ?? defaultRegion)?.fastPath(req);
}

export function edgeRouter(regionsById: ReadonlyMap<string, Fetcher>, defaultRegion: string) {
  return async (request: Request): Promise<Response> => {
    const wanted = request.headers.get(EDGE_REGION_HEADER) ?? defaultRegion;
    const target = regionsById.get(wanted);
    if (!target) {
      return new Problem(400, 'routing.unknownRegion', `No region ${wanted}`, { regions: [...regionsById.keys()] }).toResponse();
    }
    if (!request.headers.has(EDGE_REGION_HEADER)) return target.fetch(request);
    const headers = new Headers(request.headers);
    headers.delete(EDGE_REGION_HEADER);
    return target.fetch(new Request(request, { headers }));
  };
}
