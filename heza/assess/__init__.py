"""Checking a period: the run context, the stages over typed tables, the rules across files and the
draft release's figures. Pure functions on DataFrames; nothing here writes or presents."""
