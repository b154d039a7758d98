#!/bin/sh
# wait-path.sh gone|back PATH [SECONDS]: wait until PATH disappears (gone) or exists (back);
# exit 1 after SECONDS (default 30).
. tests/lib/wait.sh
if [ "$1" = gone ]; then
	wait_until "${3:-30}" [ ! -e "$2" ]
else
	wait_until "${3:-30}" [ -e "$2" ]
fi
