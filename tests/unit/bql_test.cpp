// The big lock (core/main-loop.h): a futex word taken inline. These check
// that it excludes, that it tells who holds it, that a thread asleep on it
// is woken when it is released, and that a keeper is asked to let go.
#include "core/main-loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace mq {
namespace {

using namespace std::chrono_literals;

TEST(Bql, LockedTellsWhetherTheCallingThreadHoldsIt) {
    EXPECT_FALSE(bql_locked());
    {
        BqlGuard bql;
        EXPECT_TRUE(bql_locked());
        bool other_thread_sees = true;
        std::thread([&] { other_thread_sees = bql_locked(); }).join();
        EXPECT_FALSE(other_thread_sees);
        {
            BqlUnlockGuard unlocked;
            EXPECT_FALSE(bql_locked());
        }
        EXPECT_TRUE(bql_locked());
    }
    EXPECT_FALSE(bql_locked());
}

// Four threads add to a plain counter under the lock, many times, with the
// lock busy most of the time (so that some of them sleep on it): no
// increment is lost, and nobody is left asleep.
TEST(Bql, ExcludesAndWakesUnderContention) {
    constexpr int kThreads = 4, kRounds = 200000;
    long counter = 0;
    int inside = 0, overlaps = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
        threads.emplace_back([&] {
            for (int i = 0; i < kRounds; i++) {
                BqlGuard bql;
                if (++inside != 1) overlaps++;
                counter++;
                inside--;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(counter, long{kThreads} * kRounds);
    EXPECT_EQ(overlaps, 0);
}

// A thread that finds the lock held goes to sleep on it, and the holder's
// release is what lets it in, after the holder's writes.
TEST(Bql, AWaiterGetsInAfterTheHolderLetsGo) {
    std::atomic<bool> waiter_in{false};
    int value = 0;
    bql_lock();
    std::thread waiter([&] {
        BqlGuard bql;
        EXPECT_EQ(value, 42);
        waiter_in = true;
    });
    std::this_thread::sleep_for(50ms); // long enough for it to be asleep
    EXPECT_FALSE(waiter_in);
    value = 42;
    bql_unlock();
    waiter.join();
    EXPECT_TRUE(waiter_in);
}

// A keeper (a hart between MMIO accesses) names a flag; a thread that comes
// to wait for the lock sets it, is seen waiting, and gets in once the keeper
// lets go, which tells the keeper that someone was waiting.
TEST(Bql, AWaiterAsksTheKeeperToLetGo) {
    std::atomic<bool> let_go{false};
    std::atomic<bool> waiter_in{false};
    bql_lock();
    bql_keep(&let_go);
    EXPECT_FALSE(bql_waited_for());
    std::thread waiter([&] {
        BqlGuard bql;
        waiter_in = true;
    });
    for (int i = 0; i < 5000 && !let_go; i++)
        std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(let_go);
    EXPECT_TRUE(bql_waited_for());
    EXPECT_FALSE(waiter_in);
    EXPECT_TRUE(bql_keep_end());
    waiter.join();
    EXPECT_TRUE(waiter_in);
    // Nobody waits now: the next keeper's end says so, and its flag stays
    // clear.
    let_go = false;
    bql_lock();
    bql_keep(&let_go);
    EXPECT_FALSE(bql_keep_end());
    EXPECT_FALSE(let_go);
    EXPECT_FALSE(bql_locked());
}

} // namespace
} // namespace mq
