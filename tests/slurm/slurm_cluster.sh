# slurm_cluster.sh — a throwaway one-node Slurm cluster for tests, sourced by them: munged,
# slurmctld and slurmd from Debian's packages (munge, slurmctld, slurmd, slurm-client), run in
# the foreground as this shell's children with every file in one temporary folder, on ports of
# their own, so nothing of the host's is read or changed. slurm_cluster_start exports
# SLURM_CONF; slurm_cluster_stop (also on EXIT, through the caller's trap) ends exactly the
# processes it started and removes the folder.
#
# Needs root (slurmd runs jobs as their user) and the four packages: slurm_cluster_missing
# prints what is missing, for the caller's skip message.

slurm_cluster_missing() {
	local missing=""
	[ "$(id -u)" -eq 0 ] || missing="root"
	for prog in munged slurmctld slurmd sbatch squeue scontrol; do
		command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
	done
	echo "$missing"
}

slurm_cluster_start() {
	SLURM_DIR=$(mktemp -d /tmp/memvirt-slurm-XXXXXX)
	chmod 711 "$SLURM_DIR"
	mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool"
	dd if=/dev/urandom of="$SLURM_DIR/munge.key" bs=1024 count=1 status=none
	chmod 400 "$SLURM_DIR/munge.key"
	munged --foreground --force --key-file="$SLURM_DIR/munge.key" --socket="$SLURM_DIR/munge.sock" \
		--pid-file="$SLURM_DIR/munged.pid" --log-file="$SLURM_DIR/munged.log" \
		--seed-file="$SLURM_DIR/munge.seed" >>"$SLURM_DIR/munged.out" 2>&1 &
	SLURM_PIDS="$!"
	local port=$((20000 + RANDOM % 20000)) host
	host=$(hostname -s)
	cat >"$SLURM_DIR/slurm.conf" <<CONF
ClusterName=memvirt-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$SLURM_DIR/munge.sock
CredType=cred/munge
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MaxArraySize=${SLURM_MAX_ARRAY:-1001}
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=memvirt Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	export SLURM_CONF="$SLURM_DIR/slurm.conf"
	for _ in $(seq 50); do [ -S "$SLURM_DIR/munge.sock" ] && break; sleep 0.1; done
	slurmctld -D -f "$SLURM_CONF" >>"$SLURM_DIR/slurmctld.out" 2>&1 &
	SLURM_PIDS="$SLURM_PIDS $!"
	slurmd -D -f "$SLURM_CONF" >>"$SLURM_DIR/slurmd.out" 2>&1 &
	SLURM_PIDS="$SLURM_PIDS $!"
	for _ in $(seq 100); do
		sinfo -h -o %t 2>/dev/null | grep -q idle && return 0
		sleep 0.2
	done
	echo "slurm_cluster: the node did not come up; logs in $SLURM_DIR" >&2
	return 1
}

slurm_cluster_stop() {
	[ -n "${SLURM_PIDS:-}" ] || return 0
	kill $SLURM_PIDS 2>/dev/null
	wait $SLURM_PIDS 2>/dev/null
	SLURM_PIDS=""
	[ -n "${SLURM_DIR:-}" ] && rm -rf "$SLURM_DIR"
}

# Waits until job $1 has left the queue (at most $2 seconds); 0 when it has.
slurm_wait_job() {
	for _ in $(seq $(($2 * 5))); do
		[ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	return 1
}
