#!/usr/bin/env bash
# The state file as a careless operator or a hostile local file would
# leave it (issue 16), each with the refusal it must meet:
#  - a corrupt file: uvnetd starts empty, says so in its log, keeps the
#    file as STATE.corrupt-TIME, and its first change does not overwrite
#    that only copy;
#  - ill-typed files ("bridges" not an array, "ports" an object, a port's
#    words not strings): no crash, what cannot be rebuilt is skipped;
#  - a symlink planted at STATE.tmp is not followed when the state is
#    written (the file it points to is untouched).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init state_file

S=$T/state
restart() { uvnetd_stop TERM 10 >/dev/null; uvnetd_start; }

printf '{"version": 1, "bridges": [{"name": "br0", "ports": [' >"$S" # cut short
uvnetd_start || e2e_bail "uvnetd starts on a corrupt state file"
tap_is "a corrupt file: uvnetd starts empty" "$(ctl --json show | jget "len(d['bridges'])")" 0
tap_like "and says so" "$(cat "$T"/uvnetd.*.log)" 'is not a uvnetd state file; starting empty, the file is kept as .*state\.corrupt-'
aside=$(ls "$T"/state.corrupt-* 2>/dev/null | head -n1)
tap_is "the file is kept as state.corrupt-TIME, byte for byte" "$(cat "$aside" 2>/dev/null)" \
    '{"version": 1, "bridges": [{"name": "br0", "ports": ['
ctl add-br brx >/dev/null
tap_is "the first change writes a new state file, the corrupt copy stays" \
    "$(cat "$aside" 2>/dev/null | head -c 20)|$(jget "[b['name'] for b in d['bridges']]" <"$S")" \
    '{"version": 1, "brid|["brx"]'

for bad in '{"version": 1, "bridges": "br0"}' \
    '{"version": 1, "bridges": [{"name": "br0", "ports": {"p": 1}}]}' \
    '{"version": 1, "bridges": [{"name": "br0", "ports": [["add-port", "br0", "p", 7]]}, 3, null]}' \
    '{"version": 1, "networks": {"x": 1}, "bridges": [{"name": 5}]}'; do
    uvnetd_stop TERM 10 >/dev/null
    printf '%s' "$bad" >"$S"
    if uvnetd_start; then
        tap_ok "ill-typed file, uvnetd runs: $bad"
    else
        tap_not_ok "ill-typed file, uvnetd runs: $bad"
    fi
done
tap_is "from the last one (a bridge named 5) nothing was made" \
    "$(ctl --json show | jget "[b['name'] for b in d['bridges']]")" "[]"

echo victim >"$T/victim"
ln -s "$T/victim" "$S.tmp"
ctl add-br bry >/dev/null
tap_is "a symlink planted at state.tmp is not followed" "$(cat "$T/victim")" victim
tap_like "and the state is written anyway" "$(cat "$S")" '"bry"'

tap_done
