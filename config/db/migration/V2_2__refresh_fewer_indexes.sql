-- Two indexes nothing queries any more, dropped because every UPDATE of a connection row (the lease,
-- the commit: two per refresh) also rewrites each index of the table (H2 removes and re-adds the row
-- in every index). The refresh loop reads its due rows per profile through connection_due_by_profile
-- (V2_1); no statement looks rows up by lease_until alone.
DROP INDEX connection_due;
DROP INDEX connection_lease;
