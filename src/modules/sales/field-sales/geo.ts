/**
 * Great-circle distance on the sphere earthdistance uses (radius `earth()` = 6,378,168 m), so the
 * numbers the database returns can be checked by hand. The database does the searching (GiST over
 * ll_to_earth); this is for the explanation and the tests.
 */
export const EARTH_RADIUS_M = 6_378_168;

export interface LatLng {
  lat: number;
  lng: number;
}

/** Haversine distance in metres. */
export function greatCircleMeters(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
