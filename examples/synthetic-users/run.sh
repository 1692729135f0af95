#!/bin/sh
hos-synth --users 6 --days 14 --seed 1 --request | hos-validate
