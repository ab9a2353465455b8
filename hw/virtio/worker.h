// A device's I/O thread: jobs run in order, without the big lock, and hand
// their results back to the main loop (where the big lock is held). This is
// how virtio-blk keeps host disk I/O off the vCPU thread.
#pragma once

#include "core/main-loop.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

namespace mq {

class VirtioWorker {
public:
    VirtioWorker() = default;
    VirtioWorker(const VirtioWorker&) = delete;
    VirtioWorker& operator=(const VirtioWorker&) = delete;
    ~VirtioWorker() { stop(); }

    // At exit, before the back ends go: finishes what is queued and stops
    // every worker (their completions are dropped; the guest is gone).
    static void stop_all() {
        std::unordered_set<VirtioWorker*> all;
        {
            std::lock_guard lock(registry_mutex());
            all = registry();
        }
        for (auto* w : all)
            w->stop();
    }

    void start(std::string name) {
        stop();
        m_name = std::move(name);
        m_stopping = false;
        m_alive = std::make_shared<int>(0);
        m_thread = std::thread([this] { run(); });
        std::lock_guard lock(registry_mutex());
        registry().insert(this);
    }

    // Queues `job` for the I/O thread.
    void submit(std::function<void()> job) {
        {
            std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
        }
        m_cond.notify_all();
    }

    // From a job: runs `fn` on the main loop, unless the worker has been
    // stopped (the device is gone) by then.
    void complete(std::function<void()> fn) {
        main_loop_post([alive = std::weak_ptr<int>(m_alive), fn = std::move(fn)] {
            if (alive.lock()) fn();
        });
    }

    // Waits until every queued job has run.
    void drain() {
        std::unique_lock lock(m_mutex);
        m_cond.wait(lock, [this] { return m_jobs.empty() && !m_busy; });
    }

    void stop() {
        {
            std::lock_guard lock(registry_mutex());
            registry().erase(this);
        }
        if (!m_thread.joinable()) return;
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_cond.notify_all();
        m_thread.join();
        m_alive.reset();
    }

private:
    static std::unordered_set<VirtioWorker*>& registry() {
        static std::unordered_set<VirtioWorker*> workers;
        return workers;
    }
    static std::mutex& registry_mutex() {
        static std::mutex m;
        return m;
    }

    void run() {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_cond.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty()) return; // stopping, and nothing left to do
            auto job = std::move(m_jobs.front());
            m_jobs.pop_front();
            m_busy = true;
            lock.unlock();
            job();
            lock.lock();
            m_busy = false;
            m_cond.notify_all();
        }
    }

    std::string m_name;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_cond;
    std::deque<std::function<void()>> m_jobs;
    bool m_busy = false;
    bool m_stopping = false;
    std::shared_ptr<int> m_alive;
};

} // namespace mq
