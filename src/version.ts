/** The package version, kept in one place for --version and the format's writer field. */
export const VERSION = '0.1.0';
