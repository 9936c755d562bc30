#!/usr/bin/perl
# The time each test class took, from a TRX file, slowest first: where
# `make check` spends its minutes. Durations are the tests' own (hh:mm:ss.f).
use strict;
use warnings;

my $trx = shift or die "usage: class-times.pl RESULTS.trx\n";
open my $fh, '<', $trx or die "class-times.pl: cannot read $trx: $!\n";
local $/;
my $xml = <$fh>;
my (%class, %seconds, %count);
while ($xml =~ /<UnitTest\b[^>]*\bid="([^"]+)".*?<TestMethod\b[^>]*\bclassName="([^"]+)"/gs) {
    $class{$1} = $2;
}
while ($xml =~ /<UnitTestResult\b([^>]*)>/g) {
    my $attrs = $1;
    my ($id) = $attrs =~ /\btestId="([^"]+)"/;
    my ($h, $m, $s) = $attrs =~ /\bduration="(\d+):(\d+):([\d.]+)"/;
    next unless defined $id && defined $h;
    my $name = $class{$id} // 'unknown';
    $name =~ s/^VhostLog\.Tests\.//;
    $seconds{$name} += $h * 3600 + $m * 60 + $s;
    $count{$name}++;
}
my $total = 0;
$total += $_ for values %seconds;
printf "time per test class (%.0f s, the sum of the tests' own durations):\n", $total;
for my $name (sort { $seconds{$b} <=> $seconds{$a} } keys %seconds) {
    printf "  %7.1f s  %3d test(s)  %s\n", $seconds{$name}, $count{$name}, $name;
}
