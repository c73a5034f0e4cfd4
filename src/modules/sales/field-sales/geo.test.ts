import { describe, expect, it } from '@jest/globals';
import { EARTH_RADIUS_M, greatCircleMeters } from './geo.js';

// 永康 (Yongkang), 金华 (Jinhua), 杭州 (Hangzhou), as the seed's story places them.
const YONGKANG = { lat: 28.8885, lng: 120.0474 };
const JINHUA = { lat: 29.0791, lng: 119.6474 };
const HANGZHOU = { lat: 30.2741, lng: 120.1551 };

describe('great-circle distance', () => {
  it('is zero from a place to itself and symmetric', () => {
    expect(greatCircleMeters(YONGKANG, YONGKANG)).toBe(0);
    expect(greatCircleMeters(YONGKANG, JINHUA)).toBeCloseTo(greatCircleMeters(JINHUA, YONGKANG), 6);
  });

  it('measures 永康–金华 and 永康–杭州 as a map does (within 1 %)', () => {
    expect(greatCircleMeters(YONGKANG, JINHUA) / 1000).toBeGreaterThan(43.9);
    expect(greatCircleMeters(YONGKANG, JINHUA) / 1000).toBeLessThan(45.0);
    expect(greatCircleMeters(YONGKANG, HANGZHOU) / 1000).toBeGreaterThan(153.5);
    expect(greatCircleMeters(YONGKANG, HANGZHOU) / 1000).toBeLessThan(156.5);
  });

  it('gives a quarter of the circumference from the equator to a pole and half of it to the antipode', () => {
    expect(greatCircleMeters({ lat: 0, lng: 0 }, { lat: 90, lng: 0 })).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_M, 3);
    expect(greatCircleMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 180 })).toBeCloseTo(Math.PI * EARTH_RADIUS_M, 3);
  });

  it('one degree of longitude shrinks with the cosine of the latitude', () => {
    const atEquator = greatCircleMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 1 });
    const at60 = greatCircleMeters({ lat: 60, lng: 0 }, { lat: 60, lng: 1 });
    expect(at60 / atEquator).toBeCloseTo(0.5, 3);
  });
});
