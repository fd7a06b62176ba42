/**
 * The device cookie (OWASP "device cookies"): set at a successful login, it lets the login throttle
 * count that browser's attempts on their own, so a burst from elsewhere cannot lock its user out.
 */
export const DEVICE_COOKIE = 'meshping-device';
export const DEVICE_COOKIE_DAYS = 180;
