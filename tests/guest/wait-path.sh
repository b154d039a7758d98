#!/bin/sh
# wait-path.sh gone|back PATH [SECONDS]: wait until PATH disappears (gone) or exists (back);
# exit 1 after SECONDS (default 30).
want=$1 path=$2 n=$(( ${3:-30} * 10 )) i=0
while [ $i -lt $n ]; do
	if [ "$want" = gone ]; then [ -e "$path" ] || exit 0; else [ -e "$path" ] && exit 0; fi
	sleep 0.1
	i=$((i + 1))
done
exit 1
