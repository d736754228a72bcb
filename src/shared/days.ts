/** Calendar days as integers (days since 1970-01-01, UTC): what the cadence models count in. */
export const DAY_MS = 86_400_000;
export const dayOf = (iso: string | number | Date) => Math.floor(new Date(iso).getTime() / DAY_MS);
export const formatDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
