#!/bin/sh
echo "plain-script-pass"
