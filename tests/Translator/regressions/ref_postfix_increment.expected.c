/**
 * ref_postfix_increment() - Increments through a ref and a Ptr, postfix and
 * prefix. The printer once wrote `out_num++` as *out_num++, which increments
 * the pointer.
 */
static int ref_postfix_increment(unsigned int *out_num, unsigned int *log_num)
{
	(*out_num)++;
	(*log_num)++;
	++*out_num;
	(*out_num)--;
	return *out_num;
}
