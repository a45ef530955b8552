-- sluice schema, version 8: lease holders identified across pid namespaces. A host name and a pid
-- do not name a process: containers with host networking share the host name but not the pid
-- space, and pids come back after a reboot. Leases and instances now record a random id per
-- process, the kernel's boot id, the pid namespace and the process's start time; a process may
-- free another's lease at once only when it shares that boot and namespace and the pid is free
-- (or in use by a process that started at another time). Nullable: rows written by an older
-- sluice have none of them, and such a row simply waits for its expiry. Names are unqualified:
-- the migration runner sets search_path.

------------------------------------------------------------------------------------------------
-- leases
------------------------------------------------------------------------------------------------
ALTER TABLE leases
  ADD COLUMN instance_id   text,
  ADD COLUMN boot_id       text,
  ADD COLUMN pid_namespace text,
  ADD COLUMN pid_start     bigint;

COMMENT ON TABLE leases IS
  'Which sluice process currently works on each source, so several instances never sync the same source at once. A lease past expires_at is free, and so is one whose holder process certainly no longer exists: same boot_id and pid_namespace as the process looking, and its pid free or taken by a process started at another time.';
COMMENT ON COLUMN leases.holder IS
  'The holding process''s name, unique per process: "<instance>#<tag>" for sluice run (instance: [daemon] instance, default "<hostname>:<pid>") and "<hostname>:<pid>/<command>#<tag>" for one-shot commands; the tag is the start of instance_id.';
COMMENT ON COLUMN leases.host IS
  'Host name of the machine (or container) the holder runs on, for people reading the table; the dead-process rule does not use it. NULL for leases taken by sluice before version 4.';
COMMENT ON COLUMN leases.pid IS
  'Process id of the holder inside its pid namespace (pid_namespace).';
COMMENT ON COLUMN leases.instance_id IS
  'Random 128-bit id of the holding process (32 hex digits), new for every process. NULL for leases taken by sluice before version 8: those wait for their expiry.';
COMMENT ON COLUMN leases.boot_id IS
  'Boot id of the kernel the holder runs on (/proc/sys/kernel/random/boot_id), so a pid is only compared within one boot of one machine. NULL when unreadable or written before version 8: the lease then waits for its expiry.';
COMMENT ON COLUMN leases.pid_namespace IS
  'The holder''s pid namespace as the kernel names it (the target of /proc/self/ns/pid, e.g. pid:[4026531836]), so two processes with the same pid in different containers are never confused. NULL when unreadable or written before version 8.';
COMMENT ON COLUMN leases.pid_start IS
  'When the holder process started, in clock ticks after boot (field 22 of /proc/PID/stat): a live process with the same pid but another start time is a later process that reused the pid. NULL when unreadable or written before version 8.';

------------------------------------------------------------------------------------------------
-- instances
------------------------------------------------------------------------------------------------
ALTER TABLE instances
  ADD COLUMN instance_id   text,
  ADD COLUMN boot_id       text,
  ADD COLUMN pid_namespace text,
  ADD COLUMN pid_start     bigint;

COMMENT ON COLUMN instances.holder IS
  'The instance''s name, as it appears in leases.holder: "<instance>#<tag>", instance being [daemon] instance or by default "<hostname>:<pid>"; unique per process.';
COMMENT ON COLUMN instances.pid IS
  'Process id of the instance inside its pid namespace (pid_namespace).';
COMMENT ON COLUMN instances.instance_id IS
  'Random 128-bit id of the instance''s process (32 hex digits), as in leases.instance_id. NULL for rows written before version 8: those go when they expire.';
COMMENT ON COLUMN instances.boot_id IS
  'Boot id of the kernel the instance runs on, as in leases.boot_id. NULL when unreadable or written before version 8.';
COMMENT ON COLUMN instances.pid_namespace IS
  'The instance''s pid namespace, as in leases.pid_namespace. NULL when unreadable or written before version 8.';
COMMENT ON COLUMN instances.pid_start IS
  'When the instance''s process started, in clock ticks after boot, as in leases.pid_start. NULL when unreadable or written before version 8.';
