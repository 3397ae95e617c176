/*
 * dial: placing click-to-call through the voice provider.  POST /v1/calls
 * with mode click_to_call records the call and enqueues a voice.dial job
 * in the same transaction, so a call never exists without its dial; the
 * job asks the provider outside any transaction, then records the Call
 * SID (the call rings), or fails the call and tells the agent when the
 * provider refuses it or stays unreachable through every attempt.
 *
 * hangup: POST /v1/calls/{id}/end of a click-to-call enqueues voice.hangup
 * in the same transaction; the job asks the provider to end the call
 * (once the dial has its Call SID), so the phones stop when souk's call
 * does.
 */
#ifndef SOUKD_TELE_DIAL_H
#define SOUKD_TELE_DIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "jobs.h"

struct db;

/* Attempts at a dial: a few seconds apart, since an agent is waiting. */
#define TELE_DIAL_ATTEMPTS	4

/* Registers the dial's statements; call before the first connection. */
void	tele_dial_init(void);
/* Enqueues voice.dial for call_id on db's transaction; false on failure. */
bool	tele_dial_enqueue(struct db *, int64_t call_id)
	    __attribute__((warn_unused_result));
/* The voice.dial job: {"call_id": N}. */
enum job_result tele_dial_run(struct job *, struct db *);

/* Attempts at a hang-up, the first ones waiting for the dial's SID. */
#define TELE_HANGUP_ATTEMPTS	5

/* Enqueues voice.hangup for call_id on db's transaction. */
bool	tele_hangup_enqueue(struct db *, int64_t call_id)
	    __attribute__((warn_unused_result));
/* The voice.hangup job: {"call_id": N}. */
enum job_result tele_hangup_run(struct job *, struct db *);

#endif
