"""Focus mode: sessions, the hosts-file block and its privileged helper, window enforcement."""
