import apSoutheast2 from './ap-southeast-2.ts';
import euCentral1 from './eu-central-1.ts';
import euWest1 from './eu-west-1.ts';
import usEast1 from './us-east-1.ts';
import { checkRegionSet } from '../src/regions/region-set.ts';

/** Every deployment region. Adding a region means adding its file here; `checkRegionSet` guards the set. */
export const regions = checkRegionSet([euCentral1, euWest1, usEast1, apSoutheast2]);
