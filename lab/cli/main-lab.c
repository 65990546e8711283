/* SPDX-License-Identifier: MIT */
/*
 * kdumplab-lab: the verbs that drive VMs or build images (the .lab rows of verbs.c).
 * `kdumplab run|doctor|images ...` executes it with its own arguments (see main.c); it can
 * also be run directly.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	static const struct cli_program lab = { .name = "kdumplab-lab" };
	return cli_main(&lab, argc, argv);
}
