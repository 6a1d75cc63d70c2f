/* AWS CLI shorthand syntax (`S3Config={Path=s3://b/p,RoleArn=arn:...}`,
 * `Key=k,Value=v`, `[a,b]`) and JSON parameter values. */
#ifndef HC_CLI_SHORTHAND_H
#define HC_CLI_SHORTHAND_H

#include <jansson.h>

/* Parses a parameter value: JSON when it starts with '{', '[' or '"',
 * otherwise shorthand. Scalars become strings, except members named in
 * the integer/boolean tables (ForecastHorizon, NumberOfBacktestWindows,
 * BackTestWindowOffset / Header), which are converted. Returns NULL and
 * writes a message into msg (cap bytes) on a syntax error. */
json_t *hc_cli_parse_value(const char *text, int as_list, char *msg, size_t cap);

#endif
