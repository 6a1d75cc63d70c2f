/* Placeholder so the build works before this module is written. */
typedef int hc_writer_placeholder;
