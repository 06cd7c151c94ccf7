#!/usr/bin/env bash
# Drives real udpchat clients in tmux, as a person would: types while messages arrive and checks the
# screen is not garbled, that editing keys work, and that Ctrl-C leaves with the terminal restored.
#   IntegrationTests/tmux-terminal-test.sh     (needs tmux; builds udpchat if needed)
set -uo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 1; }
[ -x .build/debug/udpchat ] || swift build --product udpchat >/dev/null
bin=$PWD/.build/debug/udpchat
work=$(mktemp -d)
export XDG_DATA_HOME=$work/share  # keys and outboxes stay in the test's folder
socket=$work/tmux.sock  # in the test's folder, so nothing is left in /tmp
t() { tmux -S "$socket" "$@"; }
cleanup() { t kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

passed=0
failed=0
check() {  # check <description> <command...>
    local description=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $description"; else failed=$((failed + 1)); echo "FAIL $description"; fi
}
screen() { t capture-pane -p -J -t "chat:$1" | sed -e 's/[[:space:]]*$//' | grep -v '^$'; }
wait_for() {  # wait_for <window> <text> [seconds]: up to 5 s unless told
    for _ in $(seq $((${3:-5} * 10))); do screen "$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
    return 1
}

base=$((20000 + RANDOM % 20000))
t new-session -d -s chat -x 100 -y 24 -n server "$bin -s $base --data-dir $work/data"
sleep 0.3
t new-window -t chat -n y "$bin -c y 127.0.0.1 $base $((base + 2))"
check "y registers" wait_for y "[Welcome, You are registered.]"
t new-window -t chat -n x "bash -c '$bin -c x 127.0.0.1 $base $((base + 1)); echo \$? > $work/x-exit; stty -a > $work/stty-after'"
check "x registers" wait_for x "[Welcome, You are registered.]"
check "a terminal shows 'connecting…' first" bash -c "tmux -S $socket capture-pane -p -t chat:x | grep -v '^\s*\$' | head -n 1 | grep -qF 'connecting to 127.0.0.1:$base…'"
check "and who joined, after the table update" wait_for y "x joined"
sleep 0.3

# Half a line typed in x while y's messages arrive: they print above it, and the line stays whole.
t send-keys -t chat:x "send y half-typ"
sleep 0.2
t send-keys -t chat:y "send x message while you type" Enter
t send-keys -t chat:y "send x and another one" Enter
check "messages arrive while typing" wait_for x "y: and another one"
check "the half-typed line is whole and last" test "$(screen x | tail -n 1)" = ">>> send y half-typ"
check "messages print above it, in order, each with its time" bash -c "screen() { tmux -S $socket capture-pane -p -t chat:x | grep -v '^\s*\$'; }; screen | tail -n 3 | head -n 2 | sed -E 's/^>>> [0-9]{2}:[0-9]{2} />>> /' | diff - <(printf '>>> y: message while you type\n>>> y: and another one\n')"
check "the time is HH:MM" bash -c "tmux -S $socket capture-pane -p -t chat:x | grep -qE '^>>> [0-9]{2}:[0-9]{2} y: and another one'"
check "no stray escape codes on screen" bash -c "! tmux -S $socket capture-pane -p -t chat:x | grep -q '\[K\|\[[0-9]*D'"

t send-keys -t chat:x "ed" Enter
check "finishing the line sends it" wait_for y "x: half-typed"
check "and the sender sees the ACK" wait_for x "[Message received by <y>.]"

# Editing: a typo fixed with ← and an insert; the history brings the line back.
t send-keys -t chat:x "send y helo" Left "l" Enter
check "← and insert edit the line" wait_for y "x: hello"
t send-keys -t chat:x Up
check "↑ recalls the last line" bash -c "sleep 0.3; tmux -S $socket capture-pane -p -t chat:x | grep -v '^\s*\$' | tail -n 1 | grep -qx '>>> send y hello'"
t send-keys -t chat:x C-u "who" Enter
check "who lists the table" wait_for x "y  127.0.0.1:$((base + 2))  online"

# A 1,000-byte line typed at 40 columns while messages arrive: it wraps over 26 rows, messages print
# above all of it, no stale copy is left behind, and the cursor sits after the last character.
t resize-window -t chat:x -x 40 -y 40
sleep 0.3
long="send y $(printf 'Q%.0s' $(seq 633))"
t send-keys -t chat:x -l "${long:0:500}"
t send-keys -t chat:y "send x while the long line is typed" Enter
t send-keys -t chat:x -l "${long:500}"
sleep 0.5
check "the message arrived above the long line" wait_for x "y: while the long line"
check "exactly one copy of the long line is on screen" test "$(screen x | grep -c '^>>> send y QQQQ')" = 1
check "the long line is the last thing on screen, whole" bash -c "tmux -S $socket capture-pane -p -J -t chat:x | sed -e 's/[[:space:]]*\$//' | grep -v '^\$' | tail -n 1 | grep -qx '>>> $long'"
check "the cursor is after its last character" test "$(t display -p -t chat:x '#{cursor_x}')" = $(( (4 + ${#long}) % 40 ))
t send-keys -t chat:x Home
sleep 0.2
check "Home puts the cursor after the prompt on the line's first row" bash -c "[ \"\$(tmux -S $socket display -p -t chat:x '#{cursor_x}')\" = 4 ] && tmux -S $socket capture-pane -p -t chat:x | sed -n \"\$((\$(tmux -S $socket display -p -t chat:x '#{cursor_y}') + 1))p\" | grep -q '^>>> send y QQ'"
t resize-window -t chat:x -x 60 -y 40
sleep 0.3
t send-keys -t chat:x End
sleep 0.2
check "after a resize the line is drawn once, at the new width" test "$(screen x | grep -c '^>>> send y QQQQ')" = 1
t send-keys -t chat:x Enter
check "the long line is sent whole" wait_for y "x: QQQQQQQQQQ"
t send-keys -t chat:x C-l
sleep 0.2
check "Ctrl-L clears the screen and leaves the prompt at the top" test "$(screen x | head -n 1)" = ">>>"
history_prompts() { t capture-pane -p -S - -E -1 -t chat:x | grep -c '^>>> s' || true; }
before=$(history_prompts)
t send-keys -t chat:x "s" "e" "n" "d"
sleep 0.3
check "typing after Ctrl-L leaves no copies of the input line in the scrollback" test "$(history_prompts)" = "$before"
t send-keys -t chat:x C-u
t send-keys -t chat:x "send y one two" C-w "three" Enter
check "Ctrl-W deletes the word before the cursor" wait_for y "x: one three"
t send-keys -t chat:x "se" Tab "y" Tab "completed" Enter
check "Tab completes the command and the nickname" wait_for y "x: completed"

# Ctrl-C: [exiting], status 0, and the terminal's settings restored.
t send-keys -t chat:x C-c
for _ in $(seq 50); do [ -s "$work/stty-after" ] && break; sleep 0.1; done
check "Ctrl-C exits with status 0" test "$(cat "$work/x-exit" 2>/dev/null)" = 0
check "the terminal is back in canonical mode with echo" bash -c "grep -qw icanon '$work/stty-after' && grep -qw echo '$work/stty-after'"

# The server goes away: y, idle, says so once and keeps trying; z, starting, keeps what was typed
# while it waited, gives up after 8 s, and its next start sends the kept message and says so.
t kill-window -t chat:server
t new-window -t chat -n z "bash -c 'XDG_DATA_HOME=$work/share $bin -c z 127.0.0.1 $base $((base + 3)); sleep 60'"
t send-keys -t chat:z "send y kept for later" Enter
check "an idle client says when the server stops answering" wait_for y "[The server is not answering; still trying.]" 25
check "a client whose server never answers gives up" wait_for z "[Server not responding]" 12
check "and keeps the typed message in its outbox" bash -c "ls $work/share/udpchat/outbox/*.outbox >/dev/null 2>&1"
t new-window -t chat -n server2 "$bin -s $base --data-dir $work/data"
check "y sees the server answer again" wait_for y "[The server answers again.]" 25
t new-window -t chat -n z2 "XDG_DATA_HOME=$work/share $bin -c z 127.0.0.1 $base $((base + 3))"
check "z's next start sends the kept message and says so" wait_for z2 "[Sending 1 message kept from last time" 10
check "and the kept message arrives, once" bash -c "for _ in \$(seq 150); do [ \"\$(tmux -S $socket capture-pane -p -J -t chat:y | grep -c 'z: .*kept for later')\" = 1 ] && exit 0; sleep 0.1; done; exit 1"

# Under an interactive shell: no client port given (a free one is taken and printed); Ctrl-Z suspends
# with the terminal restored, and `fg` brings the input line back.
t new-window -t chat -n p "env -i HOME=$work HISTFILE=/dev/null TERM=xterm PS1='$ ' bash --norc --noprofile -i"
sleep 0.5
t send-keys -t chat:p "XDG_DATA_HOME=$work/share $bin -c p 127.0.0.1 $base" Enter
check "without a client port, a free one is taken and printed" wait_for p "client port: "
check "and the client registers on it" wait_for p "[Welcome, You are registered.]"
t send-keys -t chat:p "send y typed before" C-z
check "Ctrl-Z suspends the client" wait_for p "Stopped"
t send-keys -t chat:p "stty -a > $work/stty-suspended" Enter
check "with the terminal back in canonical mode" bash -c "sleep 0.5; grep -qw icanon '$work/stty-suspended'"
t send-keys -t chat:p "fg" Enter
check "fg brings the half-typed line back" bash -c "for _ in \$(seq 50); do tmux -S $socket capture-pane -p -J -t chat:p | sed -e 's/[[:space:]]*\$//' | grep -v '^\$' | tail -n 1 | grep -qx '>>> send y typed before' && exit 0; sleep 0.1; done; exit 1"
t send-keys -t chat:p Enter
check "and it still works" wait_for y "p: typed before"

if [ "$failed" -gt 0 ]; then
    for window in $(t list-windows -t chat -F '#{window_name}'); do echo "--- $window"; screen "$window" | tail -n 12; done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
