/* run.h — the run driver: runs one configuration on its platform in a worker thread,
 * shows progress, handles Ctrl-C (the result is written as "interrupted"), and writes the
 * result file atomically. */
#ifndef MEMVIRT_RUN_H
#define MEMVIRT_RUN_H

#include <jansson.h>

#include "results/result.h"

/* Runs `cfg`; fills `res`; writes cfg->json_path when set. If doc_out is not NULL it
 * receives the result document (caller json_decref's it). Returns the run state. */
enum run_state run_execute(const struct run_config *cfg, struct run_result *res, json_t **doc_out);

/* Process exit status for a run state: 0 ok, 1 failed, 130 interrupted. */
int run_exit_status(enum run_state s);

#endif
