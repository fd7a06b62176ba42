/** The server's version: in the OpenAPI document and /metrics (meshping_build_info). */
export const SERVER_VERSION = '0.1.0';
